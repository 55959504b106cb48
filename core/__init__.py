"""BC Commerce Bridge core: everything that is not an Azure Functions trigger."""
