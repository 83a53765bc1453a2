help ps
