diff $FIXTURES/../fidelity-numa/24-numa-balancing-follow.vml --linux-results $FIXTURES/numa/guest-6.1-24-numa-balancing-follow.res --quiet
