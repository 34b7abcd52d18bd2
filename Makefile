# The two commands of the README. Each sets up what is missing first.
.PHONY: run test build setup

run:
	scripts/run.sh

test:
	scripts/test.sh

build:
	scripts/setup.sh && scripts/build.sh

setup:
	scripts/setup.sh
