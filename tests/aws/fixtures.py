"""Build the AWS side of a rollout (VPC, subnet, launch template, target group, two Auto Scaling groups).

Works in-process under moto's `mock_aws` and against a moto server (pass its `endpoint_url`); it makes only
ordinary API calls, so it would work against AWS too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

IMAGE_ID = "ami-12c6146b"
"""An image id moto knows (any id works unless moto validates images)."""


@dataclass(frozen=True)
class Fleets:
    """What `create_fleets` made."""

    vpc_id: str
    """The VPC."""
    subnet_id: str
    """The one subnet both groups launch into."""
    launch_template_id: str
    """The launch template both groups use."""
    target_group_arn: str
    """The target group both groups are attached to."""
    old: str
    """Name of the old group (with `old_size` instances)."""
    new: str
    """Name of the new group (empty: min, max and desired 0)."""
    old_instance_ids: list[str] = field(default_factory=list)
    """The old group's instances."""


def create_fleets(
    session: boto3.Session | None = None,
    *,
    endpoint_url: str | None = None,
    clients: Callable[[str], Any] | None = None,
    old_size: int = 3,
    old: str = "workers-old",
    new: str = "workers-new",
    prefix: str = "rollout",
) -> Fleets:
    """Create the two fleets; the old group at exactly `old_size` instances (min = max = desired).

    Clients come from `session` (at `endpoint_url`, e.g. a moto server), or from `clients(service)` when
    given (to reuse clients across tests: creating an EC2 client costs half a second).
    """
    if clients is None:
        opened = session or boto3.Session()

        def clients(service: str) -> Any:
            return opened.client(service, endpoint_url=endpoint_url)

    ec2 = clients("ec2")
    elbv2 = clients("elbv2")
    autoscaling = clients("autoscaling")
    region = ec2.meta.region_name
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{region}a")[
        "Subnet"
    ]["SubnetId"]
    template_id = ec2.create_launch_template(
        LaunchTemplateName=f"{prefix}-workers",
        LaunchTemplateData={"ImageId": IMAGE_ID, "InstanceType": "t3.micro"},
    )["LaunchTemplate"]["LaunchTemplateId"]
    target_group_arn = elbv2.create_target_group(
        Name=f"{prefix}-workers", Protocol="HTTP", Port=80, VpcId=vpc_id, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    for name, size in ((old, old_size), (new, 0)):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Latest"},
            MinSize=size,
            MaxSize=size,
            DesiredCapacity=size,
            VPCZoneIdentifier=subnet_id,
            TargetGroupARNs=[target_group_arn],
            HealthCheckType="ELB",
            HealthCheckGracePeriod=60,
        )
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[old])["AutoScalingGroups"]
    instance_ids = [instance["InstanceId"] for instance in groups[0]["Instances"]]
    return Fleets(vpc_id, subnet_id, template_id, target_group_arn, old, new, instance_ids)
