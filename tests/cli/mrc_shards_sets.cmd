mrc gen:random:count=10 --shards-rate 0.1 --sets 4
