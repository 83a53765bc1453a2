replay gen:seq:base=0x10000000,footprint=16K,count=2048,size=8 --cpu skylake:l1d.4k=2x2,stlb.4k+2m=4x4
