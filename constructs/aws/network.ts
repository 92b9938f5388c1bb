import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group/index.js";
import { Eip } from "@cdktf/provider-aws/lib/eip/index.js";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway/index.js";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway/index.js";
import { Route } from "@cdktf/provider-aws/lib/route/index.js";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table/index.js";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association/index.js";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group/index.js";
import { Subnet } from "@cdktf/provider-aws/lib/subnet/index.js";
import { Vpc } from "@cdktf/provider-aws/lib/vpc/index.js";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint/index.js";
import { Construct } from "constructs";
import type { NatGatewayMode } from "../../config/aws-options.js";
import { awsContext } from "./aws-context.js";
import { type Cidr, contains, firstOverlap, formatCidr, parseCidr, subnet } from "./cidr.js";
import { EncryptionKey } from "./encryption-key.js";
import { InvalidPropError, requireProp } from "./errors.js";
import { checkRetentionDays, encryptedLogGroup } from "./log-group.js";
import { policyDocument } from "./policy.js";

export type { NatGatewayMode };

/** Interface endpoints a private cluster commonly needs. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "sts", "logs"] as const;

export interface NetworkProps {
  /** Prefix for resource names and `Name` tags, e.g. `meshpilot-dev`. */
  readonly name: string;
  /**
   * Availability zones, 2 to 6. Names come from config, not a data source, so synth is deterministic.
   */
  readonly availabilityZones: string[];
  /**
   * The VPC's IPv4 block, /16 to /20.
   * @default "10.0.0.0/16"
   */
  readonly cidr?: string;
  /**
   * Private subnet blocks, one per AZ.
   * @default computed: the first `azCount` blocks of the VPC split in eight
   */
  readonly privateSubnetCidrs?: string[];
  /**
   * Public subnet blocks, one per AZ.
   * @default computed: small blocks from the VPC's seventh eighth
   */
  readonly publicSubnetCidrs?: string[];
  /**
   * Intra subnet blocks (no internet route), one per AZ.
   * @default computed: small blocks from the VPC's last eighth
   */
  readonly intraSubnetCidrs?: string[];
  /**
   * NAT gateways for the private subnets.
   * @default "one-per-az", so one AZ failing does not cut the others off
   */
  readonly natGateways?: NatGatewayMode;
  /**
   * VPC flow logs to CloudWatch Logs. Turning them off is a weakened default.
   * @default true
   */
  readonly flowLogs?: boolean;
  /**
   * Flow log retention, in days.
   * @default 90
   */
  readonly flowLogRetentionDays?: number;
  /**
   * Interface endpoints for ECR, STS and CloudWatch Logs in the private subnets.
   * @default false; the S3 gateway endpoint is always created
   */
  readonly interfaceEndpoints?: boolean;
}

/** One subnet tier across all AZs. */
export interface SubnetTier {
  readonly ids: string[];
  readonly cidrs: string[];
  readonly routeTableIds: string[];
}

/**
 * A VPC laid out for EKS: public, private and intra subnets in every AZ.
 *
 * Public subnets hold only load balancers and NAT gateways; nodes live in private
 * subnets; intra subnets hold the control-plane ENIs and have no internet route at all.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZones: string[];
  readonly natGatewayMode: NatGatewayMode;
  readonly public: SubnetTier;
  readonly private: SubnetTier;
  readonly intra: SubnetTier;
  readonly natGatewayIds: string[];
  readonly flowLog?: FlowLog;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azs = props.availabilityZones;
    const cidrText = props.cidr ?? "10.0.0.0/16";
    this.natGatewayMode = props.natGateways ?? "one-per-az";
    this.availabilityZones = azs;
    this.cidr = cidrText;
    const flowLogs = props.flowLogs ?? true;
    const retentionDays = props.flowLogRetentionDays ?? 90;

    requireProp(
      azs.length >= 2 && azs.length <= 6,
      "Network",
      "availabilityZones",
      azs,
      "must list 2 to 6 zones; EKS needs two and the subnet layout fits six",
    );
    requireProp(
      new Set(azs).size === azs.length,
      "Network",
      "availabilityZones",
      azs,
      "must not repeat a zone",
    );
    requireProp(
      ["one-per-az", "single", "none"].includes(this.natGatewayMode),
      "Network",
      "natGateways",
      this.natGatewayMode,
      'must be "one-per-az", "single" or "none"',
    );
    checkRetentionDays("Network", "flowLogRetentionDays", retentionDays);
    const vpcCidr = parseCidr(cidrText);
    if (!vpcCidr || vpcCidr.prefix < 16 || vpcCidr.prefix > 20) {
      throw new InvalidPropError(
        "Network",
        "cidr",
        cidrText,
        "must be an aligned IPv4 block from /16 to /20",
      );
    }
    const layout = this.layout(vpcCidr, azs.length, props);

    this.vpc = new Vpc(this, "Vpc", {
      cidrBlock: cidrText,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    this.vpcId = this.vpc.id;

    // Removing every rule from the default security group means nothing can fall back on it.
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-default-locked` },
    });

    const igw = new InternetGateway(this, "InternetGateway", {
      vpcId: this.vpc.id,
      tags: { Name: props.name },
    });

    const makeSubnets = (
      tier: "public" | "private" | "intra",
      cidrs: string[],
      tags: Record<string, string>,
    ) =>
      cidrs.map(
        (cidr, i) =>
          new Subnet(this, `${capitalize(tier)}Subnet${i}`, {
            vpcId: this.vpc.id,
            cidrBlock: cidr,
            availabilityZone: azs[i],
            mapPublicIpOnLaunch: false,
            tags: { Name: `${props.name}-${tier}-${azs[i]}`, "meshpilot.io/tier": tier, ...tags },
          }),
      );
    const publicSubnets = makeSubnets("public", layout.public, { "kubernetes.io/role/elb": "1" });
    const privateSubnets = makeSubnets("private", layout.private, { "kubernetes.io/role/internal-elb": "1" });
    const intraSubnets = makeSubnets("intra", layout.intra, {});

    const publicRouteTable = new RouteTable(this, "PublicRouteTable", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-public` },
    });
    new Route(this, "PublicDefaultRoute", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    publicSubnets.forEach((s, i) => {
      new RouteTableAssociation(this, `PublicRouteTableAssociation${i}`, {
        subnetId: s.id,
        routeTableId: publicRouteTable.id,
      });
    });

    const natCount = { "one-per-az": azs.length, single: 1, none: 0 }[this.natGatewayMode];
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = new Eip(this, `NatEip${i}`, {
        domain: "vpc",
        tags: { Name: `${props.name}-nat-${azs[i]}` },
      });
      return new NatGateway(this, `NatGateway${i}`, {
        allocationId: eip.id,
        subnetId: publicSubnets[i].id,
        tags: { Name: `${props.name}-${azs[i]}` },
        dependsOn: [igw],
      });
    });
    this.natGatewayIds = nats.map((n) => n.id);

    const privateRouteTables = privateSubnets.map((s, i) => {
      const table = new RouteTable(this, `PrivateRouteTable${i}`, {
        vpcId: this.vpc.id,
        tags: { Name: `${props.name}-private-${azs[i]}` },
      });
      if (nats.length > 0) {
        new Route(this, `PrivateDefaultRoute${i}`, {
          routeTableId: table.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nats[Math.min(i, nats.length - 1)].id,
        });
      }
      new RouteTableAssociation(this, `PrivateRouteTableAssociation${i}`, {
        subnetId: s.id,
        routeTableId: table.id,
      });
      return table;
    });

    const intraRouteTable = new RouteTable(this, "IntraRouteTable", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-intra` },
    });
    intraSubnets.forEach((s, i) => {
      new RouteTableAssociation(this, `IntraRouteTableAssociation${i}`, {
        subnetId: s.id,
        routeTableId: intraRouteTable.id,
      });
    });

    const ctx = awsContext(this);
    // Image layers come from S3; the gateway endpoint keeps that traffic off the NAT bill.
    new VpcEndpoint(this, "S3Endpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${ctx.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...privateRouteTables.map((t) => t.id), intraRouteTable.id],
      tags: { Name: `${props.name}-s3` },
    });

    if (props.interfaceEndpoints) {
      const endpointSg = new SecurityGroup(this, "EndpointSecurityGroup", {
        name: `${props.name}-vpc-endpoints`,
        description: "HTTPS from inside the VPC to interface endpoints",
        vpcId: this.vpc.id,
        ingress: [
          {
            description: "HTTPS from the VPC",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [cidrText],
          },
        ],
        tags: { Name: `${props.name}-vpc-endpoints` },
      });
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new VpcEndpoint(this, `Endpoint-${service}`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${ctx.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: privateSubnets.map((s) => s.id),
          securityGroupIds: [endpointSg.id],
          tags: { Name: `${props.name}-${service}` },
        });
      }
    }

    if (flowLogs) {
      this.flowLog = this.createFlowLog(props.name, retentionDays);
    }

    this.public = {
      ids: publicSubnets.map((s) => s.id),
      cidrs: layout.public,
      routeTableIds: [publicRouteTable.id],
    };
    this.private = {
      ids: privateSubnets.map((s) => s.id),
      cidrs: layout.private,
      routeTableIds: privateRouteTables.map((t) => t.id),
    };
    this.intra = {
      ids: intraSubnets.map((s) => s.id),
      cidrs: layout.intra,
      routeTableIds: [intraRouteTable.id],
    };
  }

  /** Computes (or checks the given) subnet blocks: inside the VPC, one per AZ, no overlaps. */
  private layout(vpc: Cidr, azCount: number, props: NetworkProps) {
    const eighth = vpc.prefix + 3;
    const computed = {
      private: Array.from({ length: azCount }, (_, i) => subnet(vpc, eighth, i)),
      public: Array.from({ length: azCount }, (_, i) => subnet(subnet(vpc, eighth, 6), eighth + 3, i)),
      intra: Array.from({ length: azCount }, (_, i) => subnet(subnet(vpc, eighth, 7), eighth + 3, i)),
    };
    const tiers = ["private", "public", "intra"] as const;
    const result = {} as Record<(typeof tiers)[number], string[]>;
    const labelled: { label: string; cidr: Cidr }[] = [];
    for (const tier of tiers) {
      const prop = `${tier}SubnetCidrs` as const;
      const given = props[prop];
      if (given && given.length !== azCount) {
        throw new InvalidPropError(
          "Network",
          prop,
          given,
          `must hold one block per availability zone (${azCount})`,
        );
      }
      const blocks = (given ?? computed[tier].map(formatCidr)).map((text, i) => {
        const c = parseCidr(text);
        if (!c || !contains(vpc, c)) {
          throw new InvalidPropError(
            "Network",
            `${prop}[${i}]`,
            text,
            `must be an aligned block inside ${formatCidr(vpc)}`,
          );
        }
        labelled.push({ label: `${prop}[${i}] ${text}`, cidr: c });
        return text;
      });
      result[tier] = blocks;
    }
    const clash = firstOverlap(labelled);
    if (clash) {
      throw new InvalidPropError(
        "Network",
        "subnet CIDRs",
        clash,
        "overlap; give every subnet its own block",
      );
    }
    return result;
  }

  private createFlowLog(name: string, retentionDays: number): FlowLog {
    const ctx = awsContext(this);
    const key = new EncryptionKey(this, "FlowLogKey", {
      description: `${name} VPC flow logs`,
      alias: `${name}/flow-logs`,
      allowCloudWatchLogs: true,
    });
    const logGroup = encryptedLogGroup(this, "FlowLogGroup", {
      name: `/aws/vpc/${name}/flow-logs`,
      retentionDays,
      kmsKeyArn: key.keyArn,
    });
    const role = new IamRole(this, "FlowLogRole", {
      name: `${name}-vpc-flow-logs`,
      assumeRolePolicy: policyDocument(this, "FlowLogTrust", [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [ctx.accountId] }],
        },
      ]).json,
    });
    new IamRolePolicy(this, "FlowLogRolePolicy", {
      role: role.name,
      name: "write-flow-logs",
      policy: policyDocument(this, "FlowLogPermissions", [
        {
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [`${logGroup.arn}:*`],
        },
      ]).json,
    });
    return new FlowLog(this, "FlowLog", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: { Name: `${name}-flow-logs` },
    });
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
