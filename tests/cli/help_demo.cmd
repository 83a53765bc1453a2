help demo
