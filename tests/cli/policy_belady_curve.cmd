policy -a 1,2,3,4,1,2,5,1,2,3,4,5 --curve 1..5 --policy fifo,lru,opt
