policy -a 1,2,@
