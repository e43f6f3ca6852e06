const value = "値";
console.log(x); // => ReferenceError: x is not defined