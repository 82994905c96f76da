# Two entry points; each does all of its own set-up on a fresh machine.
.PHONY: demo test

demo:  ## onboard demo users into the bundled Partner Center emulator (twice: create, then no change)
	tools/demo.sh

test:  ## the whole suite: sanity (oldest and newest ansible-core), units, integration, system, lint, docs, build
	tools/test.sh
