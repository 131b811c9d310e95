# The local Label Studio that `linesift annotate` and the integration tests talk to.
# Included from the top Makefile. See scripts/labelstudio.sh for the details.
LABELSTUDIO_SH := bash scripts/labelstudio.sh

.PHONY: labelstudio labelstudio-stop labelstudio-status

labelstudio:  ## start the local Label Studio on 127.0.0.1:8080 (reused if running)
	$(LABELSTUDIO_SH) start

labelstudio-stop:  ## stop the local Label Studio
	$(LABELSTUDIO_SH) stop

labelstudio-status:  ## say whether the local Label Studio runs
	$(LABELSTUDIO_SH) status
