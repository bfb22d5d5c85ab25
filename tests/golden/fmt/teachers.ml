problem teachers
let d=3
input x~uniform(sphere(d))
target f*=teacher two_layer(a=[1,-0.5],b=[[1,0,0],[0,1,1]],c=[0,0.25],normalize=sd(points=20000,center=true))
model net=two_layer(width=8)
