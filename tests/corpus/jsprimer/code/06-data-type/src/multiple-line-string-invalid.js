"複数行の
文字列を
入れたい"; // => SyntaxError: "" string literal contains an unescaped line break
