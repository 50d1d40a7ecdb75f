from monitor.service.cli import main

raise SystemExit(main())
