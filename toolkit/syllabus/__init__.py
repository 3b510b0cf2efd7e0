"""Syllabus generation: an outline call, one call per module, a finalization with no model."""

from toolkit.syllabus.generate import (
    Module,
    ModuleContent,
    Outline,
    Syllabus,
    SyllabusGenerator,
    SyllabusRequest,
    SyllabusRun,
)

__all__ = ["Module", "ModuleContent", "Outline", "Syllabus", "SyllabusGenerator",
           "SyllabusRequest", "SyllabusRun"]
