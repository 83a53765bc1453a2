help learn
