# mlc fmt changes layout only, also in a spec that does not check: nothing below is dropped.
problem faithful
let d=3
input x~uniform(cube(d),i in 1..3)   # a bind outside a sum (E201 at check time)
target f*(x)=sum(i in 1..d,x[i]**2)
model net=two_layer(64,width=4,i in 1..3)  # bug 4: fmt used to delete `i in 1..3`
model deep{width=3;until train_error<1e-3,}
train net{loss=mse/2,optimizer=gd(lr=0.1,momentum=0.5);steps=10}
