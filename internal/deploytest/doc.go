// Package deploytest checks the files that deploy openreview-finder as a
// Hugging Face Docker Space, which no Go code imports and so no other test
// would catch breaking: the GitHub workflows (actionlint and our own rules),
// README.md's Space configuration, the Dockerfile and its build context,
// and, where podman can run containers, a real build of the image that is
// started and probed. It holds tests only.
package deploytest
