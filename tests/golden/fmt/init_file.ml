problem init_file
input x~uniform(sphere(3))
target f*=teacher two_layer(width=4,seed=1)
model net=two_layer(width=8,init=file("net0.npz"))   # the weights of a pretrained net
model rf = random_features { width = 64   bias = false   init = file( "features.npz" ) }
train { optimizer=gd(lr=0.1) steps=50 }
