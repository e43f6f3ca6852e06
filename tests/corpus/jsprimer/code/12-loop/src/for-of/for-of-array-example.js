const array = [1, 2, 3];
for (const value of array) {
    console.log(value);
}
// 1
// 2
// 3
