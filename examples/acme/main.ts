// Run with `npx tsx examples/acme/main.ts`; writes Terraform JSON to examples/acme/cdktf.out.
import { App } from "cdktf";
import { AcmeStack } from "./acme-stack.js";

const app = new App({ outdir: "examples/acme/cdktf.out" });
new AcmeStack(app, "acme-payments", {
  region: "eu-central-1",
  availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
});
app.synth();
