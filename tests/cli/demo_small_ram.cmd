demo --ram 1G
