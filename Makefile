# Two entry points; each does all of its own set-up on a fresh machine. A third runs the
# bundled emulator for playbooks of your own.
.PHONY: demo test emulator

demo:  ## onboard demo users into the bundled Partner Center emulator (twice: create, then no change); any Python >= 3.10
	tools/demo.sh

test:  ## the whole suite: sanity and units (ansible-core 2.16, 2.18, 2.20, 2.21), integration, system, lint, docs, build
	tools/test.sh

# make emulator [SEED=my-seed.json] [PORT=8443] [EMULATOR_ARGS="--rate-limit 20 --latency-ms 100"]
# Variables given on make's command line reach tools/emulator.sh in its environment.
emulator:  ## the bundled emulator in the foreground for your playbooks; prints the PARTNERCENTER_* variables to export
	tools/emulator.sh
