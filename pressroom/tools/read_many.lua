-- Pressroom: many Markdown texts → Pandoc JSON, in one pandoc process (tools/pandoc.py,
-- read_markdown_many). Each text is read on its own, as a separate `pandoc -t json` run
-- would: no link or note definition of one chapter reaches another.
-- stdin: a JSON array of strings; arg[1]: the reader; stdout: a JSON array of
-- {output = "<pandoc json>"} or {error = "<message>"}, one per text.
local reader = arg[1]
local texts = pandoc.json.decode(io.read("a"), false)
local out = {}
for i, text in ipairs(texts) do
  local ok, doc = pcall(pandoc.read, text, reader)
  if ok then
    out[i] = {output = pandoc.write(doc, "json")}
  else
    out[i] = {error = tostring(doc)}
  end
end
io.write(pandoc.json.encode(out))
