problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model rf = random_features(width = 64)
train rf { optimizer = flow()   solve = gd_exact   time = 100 }
