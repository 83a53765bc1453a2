policy -a 1,2,3 --policy fifo,belady
