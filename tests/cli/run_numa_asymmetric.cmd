run $FIXTURES/numa/scenarios/asymmetric.vml
