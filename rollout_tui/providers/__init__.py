"""Where hosts and signals come from: the simulator and AWS, behind one Protocol."""
