cpu show 'skylake:stlb.4k=13x4'
