problem   spacing
let d=5
let w=[1,2 ,3]
input x~uniform( cube( d ) )
target f*( x )=exp( -norm(x)**2/8 )+x[1]*x[2]
space barron
data{n=500;n_test=2000,noise=0.0}
model net=two_layer(width=64,activation=relu)
train net{loss=mse/2 optimizer=gd(lr=0.05) steps=10
record=every 5:train_error,test_error}
sweep{width=[8,32];seed=0..2}
report{bounds;rates over width;plot test_error vs width}
