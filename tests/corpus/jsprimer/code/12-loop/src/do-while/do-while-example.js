const x = 1000;
do {
    console.log(x); // => 1000
} while (x < 10);
