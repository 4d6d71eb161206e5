"""警民通 Jingmin: the open platform of a county public-security bureau."""
