const total = 42 + 42;
console.log(total); // => 84
