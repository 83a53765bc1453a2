demo --nodes 9
