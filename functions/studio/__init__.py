"""The admin console served at /studio (issue 22): server-rendered pages over the public APIs."""
