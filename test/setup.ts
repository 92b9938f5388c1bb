import { Testing } from "cdktf";

// Registers cdktf's toHaveResource*/toHaveDataSource* matchers.
Testing.setupJest();
