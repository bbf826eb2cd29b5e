// Placeholder replaced by the IdP fixture below.
export default function setup() {}
