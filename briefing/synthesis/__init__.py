"""Script in, Clips out: which preset speaks each voice (`casting`), the segment cache (`cache`),
where segments are synthesised (`executors`: threads here in `local`, or `ray_actors`), and the
render loop that yields one Clip per segment in order (`render`)."""
