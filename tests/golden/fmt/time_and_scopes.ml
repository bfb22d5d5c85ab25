# record grids, gradient flow and a sweep scoped to one model
problem   time_and_scopes
input x ~ uniform(cube(3))
target f*(x) = relu(x[1])
model rf = random_features(width = 40)
model net = two_layer(width = 40)
train rf {solve=gradient_flow time=inf record=at logspace(-2,12,141):train_error,test_error}
train net { steps = 1000
  record = at [0, 10, 100]: test_error }
sweep   zip   net{steps=[100,1000]   lr=[0.1,0.01]}
sweep net { lambda = 0 }
sweep{seed=0..2}
report { summary = median   plot test_error vs step }
