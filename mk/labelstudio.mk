# The local Label Studio that `linesift annotate` and the integration tests talk to.
# Included from the top Makefile. See scripts/labelstudio.sh for the details.
# LABEL_STUDIO_PORT picks the port (start: 8080), LABEL_STUDIO_DIR the data folder
# (.labelstudio); one folder is served by one server at a time.
LABELSTUDIO_SH := bash scripts/labelstudio.sh

.PHONY: labelstudio labelstudio-stop labelstudio-status

labelstudio:  ## start the local Label Studio for .labelstudio/ (reused if running)
	$(LABELSTUDIO_SH) start

labelstudio-stop:  ## stop the Label Studio this checkout started for .labelstudio/
	$(LABELSTUDIO_SH) stop

labelstudio-status:  ## say which Label Studio serves .labelstudio/, on which port
	@$(LABELSTUDIO_SH) status || true  # stopped is an answer, not a failure
