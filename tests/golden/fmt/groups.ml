problem groups
let d = 2


let r = 0.5
input x ~ uniform(ball(d))
target f* = teacher two_layer(width = 3, seed = 1)
data { n = 50 }
model a = two_layer(width = 4)

model b = random_features(width = 4)
train a { steps = 5 }
train b { steps = 6 }
sweep { seed = 0..1 }
sweep { r = [0.1, 0.2] }
report { bounds }
