// Pressroom: TeX formulas → SVG with MathJax, for the PDF editions (tools/mathjax.py runs it).
// argv[2]: MathJax's node entry point (node_modules/mathjax/node-main.mjs).
// stdin: a JSON array of [tex, display]; stdout: a JSON array of {svg} or {error}, one each.
// Glyphs as paths in each SVG (fontCache none): every formula stands alone, nothing is shared.
import {pathToFileURL} from 'node:url';
import {readFileSync} from 'node:fs';

const MathJax = (await import(pathToFileURL(process.argv[2]).href)).default;
await MathJax.init({
  loader: {load: ['input/tex', 'output/svg']},
  // A formula MathJax cannot read is an error to report, never red text in a printed book
  // (noundefined would print an unknown command in red).
  tex: {packages: {'[-]': ['noundefined']}, formatError: (jax, error) => { throw error; }},
  // One SVG per formula: an inline formula is not broken across lines (MathJax 4 would split it).
  output: {linebreaks: {inline: false}},
  svg: {fontCache: 'none'},
});
const formulas = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const [tex, display] of formulas) {
  try {
    const node = await MathJax.tex2svgPromise(tex, {display});
    out.push({svg: MathJax.startup.adaptor.innerHTML(node)});
  } catch (error) {
    out.push({error: String(error && error.message || error)});
  }
}
process.stdout.write(JSON.stringify(out));
