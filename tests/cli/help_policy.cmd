help policy
