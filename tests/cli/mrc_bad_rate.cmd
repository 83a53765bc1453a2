mrc gen:random:count=10 --shards-rate 2
