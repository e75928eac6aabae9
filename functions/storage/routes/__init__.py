"""The routes of the Storage API, one router per resource."""
