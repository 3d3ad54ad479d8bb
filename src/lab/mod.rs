//! The lab harness: lab specs, the container engine, images, the runner, checks and reports.
