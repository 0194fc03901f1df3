def post_init_hook(env):
    """Every company starts with the standard reminder ladder."""
    policy = env.ref(
        "b2b_collections_reminder.b2b_collection_policy_standard",
        raise_if_not_found=False,
    )
    if policy:
        env["res.company"].search(
            [("b2b_policy_id", "=", False)]
        ).b2b_policy_id = policy
