problem init_seeds
let d=3
input x~uniform(cube(d))
target f*(x)=relu(x[1])
data{n=20 n_test=30 noise=0.1 seed=0 noise_seed=s}
model rf=random_features(width=40,features=nested,output_init=zero,seed=2)
model net=two_layer{width=8 init=xavier_uniform init_scales=[1,0.5] bias_init=zero}
train{optimizer=adam(lr=1e-3,eps=1e-10)}
sweep{s=0..1}
