learn --machine ostep-linear,page=3K
