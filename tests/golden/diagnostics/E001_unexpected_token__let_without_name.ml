problem golden
let = 3
