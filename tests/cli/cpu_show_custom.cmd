cpu show 'skylake:stlb.4k+2m=2048x16,pwc.pd=64,lat.ref=30'
