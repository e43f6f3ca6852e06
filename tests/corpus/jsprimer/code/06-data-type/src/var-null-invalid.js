let null; // => SyntaxError
