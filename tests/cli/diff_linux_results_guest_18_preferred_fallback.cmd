diff $FIXTURES/../fidelity-numa/18-preferred-fallback.vml --linux-results $FIXTURES/numa/guest-6.1-18-preferred-fallback.res --quiet
